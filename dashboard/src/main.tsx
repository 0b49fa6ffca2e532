import { render } from "preact";

render(<main>Kiln</main>, document.getElementById("app")!);
