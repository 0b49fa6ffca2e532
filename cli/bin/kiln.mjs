#!/usr/bin/env node
// The `kiln` command's entry: hands the arguments to the command tree in ../src/main.mjs.
import { main } from "../src/main.mjs";

process.exitCode = await main(process.argv);
