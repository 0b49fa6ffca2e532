/** The dashboard's entry: styles, the theme, and the root component (replacing index.html's loading frame). */
import { render } from "preact";
import { App } from "./app";
import { applyTheme, watchSystemTheme } from "./lib/theme";
import "./styles.css";

applyTheme();
watchSystemTheme();
const root = document.getElementById("app")!;
root.replaceChildren();
render(<App />, root);
