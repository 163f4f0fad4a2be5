// `node --import ./test/helpers/module-log.mjs …` appends the URL of every module the program imports to the file
// $MODULE_LOG, one per line: tests use it to check what a command loads (see test/cli-startup.test.ts).
import { register } from 'node:module';

register('./module-log-hooks.mjs', import.meta.url);
