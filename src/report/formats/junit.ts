import { gateJunit } from '../gate-junit.js';
import type { OutputFormat } from './output-format.js';

/** JUnit XML, one test case per policy rule, for CI test reports. */
export const junitFormat: OutputFormat = {
  name: 'junit',
  writers: { gate: (result) => gateJunit(result) },
};
