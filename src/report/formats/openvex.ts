import { openvexJson } from '../openvex.js';
import type { OutputFormat } from './output-format.js';

/** OpenVEX statements of a scan. */
export const openvexFormat: OutputFormat = {
  name: 'openvex',
  writers: { scan: (result) => openvexJson(result) },
};
