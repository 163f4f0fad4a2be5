import { appendFileSync } from 'node:fs';

// Module hooks run on their own thread, so each URL is written as it resolves rather than collected for the end.
export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  appendFileSync(process.env.MODULE_LOG, `${resolved.url}\n`);
  return resolved;
}
