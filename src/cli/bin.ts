#!/usr/bin/env node
import { endQuietlyWhenOutputCloses } from './closed-output.js';
import { main } from './main.js';

endQuietlyWhenOutputCloses();
main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
