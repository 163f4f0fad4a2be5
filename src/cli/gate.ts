import { Command, Option } from 'commander';
import { PatchlineError } from '../core/index.js';
import { gateEvidence, gateImage, gateInTotoStatement, policyJsonSchema } from '../policy/index.js';
import { GATE_REPORT_FORMATS, type GateReportFormat, renderGateReport } from '../report/index.js';
import { dbOption, resolveDbPath } from './db-options.js';
import { checkInventory } from './inventory-checks.js';
import { type ImageFlags, imageOptions, toOpenImageOptions } from './options.js';
import { writeOutput } from './output.js';
import { ResultExit } from './result-exit.js';
import { outputWidth } from './terminal-width.js';

interface GateFlags extends ImageFlags {
  policy?: string;
  db?: string;
  format: GateReportFormat;
  output?: string;
  evidence?: string;
  attestation?: string;
  printSchema?: boolean;
  allowEmpty?: boolean;
  allowPartial?: boolean;
}

export const GATE_EXIT_CODES = `Exit codes:
  0  the image passes the policy
  1  the image fails the policy (the report says which rules, and the findings or packages behind them)
  2  error: bad usage, an invalid policy file, an unreadable image, no advisory database, or an image with no
     package database or a partly readable one (unless --allow-empty / --allow-partial)`;

export function gateCommand(): Command {
  const command = new Command('gate')
    .description(
      'check an image against a policy (fix availability and age, never severity): verdict and every rule with the findings behind it',
    )
    .argument('[image]', 'an image reference (see `patchline inspect --help`) or dir:ROOTFS')
    .option('--policy <file>', 'the policy document (YAML, apiVersion patchline.dev/v1, kind Policy)')
    .addOption(dbOption())
    .addOption(new Option('-f, --format <format>', 'output format').choices(GATE_REPORT_FORMATS).default('table'))
    .option('-o, --output <file>', 'write the report to FILE instead of stdout (written whole or not at all)')
    .option(
      '--evidence <file>',
      "also write the evidence record: image and policy digests, database snapshot, every rule (and, with a compliance rule, OpenSCAP's ARF results beside it as FILE.arf.xml)",
    )
    .option('--attestation <file>', 'also write the evidence as an in-toto statement, to attach to the image')
    .option('--allow-empty', 'judge an image with no package database (scratch or static images) instead of failing')
    .option('--allow-partial', 'judge an image whose package database could be read only in part instead of failing')
    .option('--print-schema', "print the policy document's JSON Schema (for editors) and exit");
  for (const option of imageOptions()) command.addOption(option);
  command.addHelpText('after', `\n${GATE_EXIT_CODES}\n`);
  return command.action(async (image: string | undefined, flags: GateFlags) => {
    if (flags.printSchema) {
      await writeOutput(`${JSON.stringify(policyJsonSchema(), null, 2)}\n`, flags.output);
      return;
    }
    if (image === undefined)
      throw new PatchlineError('usage', 'gate', 'missing the image to check (gate IMAGE --policy FILE)');
    if (flags.policy === undefined) throw new PatchlineError('usage', 'gate', 'missing --policy FILE');
    const result = await gateImage(image, flags.policy, {
      db: resolveDbPath(flags.db),
      image: toOpenImageOptions(flags),
      // Fail closed: a verdict on an inventory that could not be read, or read whole, would mean nothing.
      onInventory: (inventory) => checkInventory(image, inventory, flags),
      ...(flags.evidence === undefined || flags.evidence === '-' ? {} : { complianceArf: arfBeside(flags.evidence) }),
    });
    // Both documents are made before anything is written (an image without a digest has no in-toto subject), and
    // written whatever the verdict: a failed gate needs its record as much as a passed one.
    const evidence = flags.evidence === undefined ? undefined : gateEvidence(result);
    const statement = flags.attestation === undefined ? undefined : gateInTotoStatement(result);
    if (evidence !== undefined) await writeOutput(`${JSON.stringify(evidence, null, 2)}\n`, flags.evidence);
    if (statement !== undefined) await writeOutput(`${JSON.stringify(statement, null, 2)}\n`, flags.attestation);
    await writeOutput(renderGateReport(result, flags.format, { width: outputWidth(flags.output) }), flags.output);
    if (result.verdict === 'fail') {
      const failed = result.rules.filter((rule) => rule.outcome === 'fail').map((rule) => rule.rule);
      throw new ResultExit(`${image}: fails policy ${result.policy.name} (${failed.join(', ')})`);
    }
  });
}

/** Where OpenSCAP's ARF results are kept: beside the evidence, `gate.json` → `gate.arf.xml`. */
function arfBeside(evidence: string): string {
  return `${evidence.replace(/\.json$/, '')}.arf.xml`;
}
