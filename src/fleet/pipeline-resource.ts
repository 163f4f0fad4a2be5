import { z } from 'zod';
import { cronExpressionSchema } from './cron.js';
import { durationSchema } from './duration.js';
import { timestampSchema } from './instant.js';
import { labelsSchema } from './labels.js';
import { isTimeZone } from './local-time.js';
import { repositorySchema } from './releases.js';
import { API_VERSION, resourceNameSchema } from './resources.js';

/**
 * The Pipeline resource: how one OS image is rebuilt, tested, published and promoted when a fix or a new base
 * appears. It has the controller's Kubernetes shape; every object is strict, so a typo (`trigers:`) is an error
 * naming its path rather than a setting silently ignored.
 */

const commandSchema = z
  .array(z.string().min(1, 'expected a non-empty argument'))
  .min(1, 'expected a command: the program, then its arguments');

/** A tag may use `{{date}}` (YYYYMMDD), `{{run}}` (the run's name) and `{{revision}}` (the source digest's start). */
const tagTemplateSchema = z
  .string()
  .regex(
    /^([A-Za-z0-9_.-]|\{\{(date|run|revision)\}\})+$/,
    'expected a tag, which may use {{date}}, {{run}} or {{revision}}',
  )
  .max(128);

/**
 * One test step: a command (`name` and `run`, with `{{image}}` replaced by the built image as podman knows it), or
 * the gate. One object with a rule rather than a union, so a typo is reported at its key, not as "no variant fits".
 */
export const testStepSchema = z
  .strictObject({
    name: resourceNameSchema.optional(),
    /** argv, not a shell line. */
    run: commandSchema.optional(),
    /** Killed (and failed) after this long; 30m when unset. */
    timeout: durationSchema.optional(),
    gate: z
      .strictObject({
        /** A Policy document (patchline.dev/v1), relative to the Pipeline file. */
        policy: z.string().min(1),
      })
      .optional(),
  })
  .superRefine((step, context) => {
    if (step.gate !== undefined) {
      for (const key of ['name', 'run', 'timeout'] as const) {
        if (step[key] !== undefined) {
          context.addIssue({
            code: 'custom',
            path: [key],
            message: 'does not go with gate: a gate step has only gate',
          });
        }
      }
      return;
    }
    if (step.run === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['run'],
        message: 'is required (or make the step a gate: {policy: FILE})',
      });
    }
    if (step.name === undefined) context.addIssue({ code: 'custom', path: ['name'], message: 'is required' });
  });
export type TestStep = z.infer<typeof testStepSchema>;

export const promotionSchema = z.strictObject({
  fleet: resourceNameSchema,
  /** Roll out here only once the release succeeded on another fleet, and has soaked there this long. */
  after: z
    .strictObject({
      fleet: resourceNameSchema,
      rollout: z.literal('succeeded'),
      soak: durationSchema.optional(),
    })
    .optional(),
});
export type Promotion = z.infer<typeof promotionSchema>;

export const pipelineSpecSchema = z
  .strictObject({
    /** A Containerfile built with podman (`context` defaults to the Containerfile's folder). */
    source: z
      .strictObject({
        containerfile: z.string().min(1),
        context: z.string().min(1).optional(),
      })
      .optional(),
    /** Or the user's own build: it must leave the image in podman's storage as $PATCHLINE_IMAGE. */
    build: z
      .strictObject({
        command: commandSchema,
        /** Where the command runs (default: the Pipeline file's folder); its content is the "source" trigger. */
        context: z.string().min(1).optional(),
      })
      .optional(),
    triggers: z
      .strictObject({
        /** The Containerfile's base image (its last FROM) has a new digest. */
        baseImage: z.boolean().optional(),
        /** The advisory database has a fix the current release lacks. */
        fixes: z.boolean().optional(),
        /** The build context changed. */
        source: z.boolean().optional(),
        schedule: z
          .strictObject({
            cron: cronExpressionSchema,
            timeZone: z.string().refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or UTC'),
          })
          .optional(),
        /** No two builds start closer together than this: triggers in between wait and ship together. */
        debounce: durationSchema.optional(),
      })
      .optional(),
    test: z.array(testStepSchema).optional(),
    publish: z.strictObject({
      repository: repositorySchema,
      tags: z.array(tagTemplateSchema).max(16).optional(),
    }),
    promote: z.array(promotionSchema).optional(),
  })
  .superRefine((spec, context) => {
    if ((spec.source === undefined) === (spec.build === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['source'],
        message: 'expected exactly one of source (a Containerfile) or build (a command)',
      });
    }
    if (spec.build !== undefined && spec.triggers?.baseImage === true) {
      context.addIssue({
        code: 'custom',
        path: ['triggers', 'baseImage'],
        message: 'needs source.containerfile: a build command has no FROM to watch',
      });
    }
    const fleets = new Set<string>();
    for (const [index, promotion] of (spec.promote ?? []).entries()) {
      if (fleets.has(promotion.fleet)) {
        context.addIssue({ code: 'custom', path: ['promote', index, 'fleet'], message: 'appears twice' });
      }
      if (promotion.after !== undefined && !fleets.has(promotion.after.fleet)) {
        context.addIssue({
          code: 'custom',
          path: ['promote', index, 'after', 'fleet'],
          message: `must be a fleet promoted earlier in the list (${[...fleets].join(', ') || 'none is'})`,
        });
      }
      fleets.add(promotion.fleet);
    }
  });
export type PipelineSpec = z.infer<typeof pipelineSpecSchema>;

export const pipelineSchema = z.strictObject({
  apiVersion: z.literal(API_VERSION),
  kind: z.literal('Pipeline'),
  metadata: z.strictObject({
    name: resourceNameSchema,
    labels: labelsSchema.optional(),
    uid: z.string().optional(),
    generation: z.number().int().nonnegative().optional(),
    createdAt: timestampSchema.optional(),
    resourceVersion: z.string().optional(),
  }),
  spec: pipelineSpecSchema,
  /** Written by the controller from the pipeline's runs: never by hand. */
  status: z.record(z.string(), z.unknown()).optional(),
});
export type Pipeline = z.infer<typeof pipelineSchema>;

export function pipelineJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://patchline.dev/schemas/pipeline-v1.json',
    title: 'Patchline Pipeline (patchline.dev/v1)',
    ...z.toJSONSchema(pipelineSchema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }),
  };
}

export const DEFAULT_STEP_TIMEOUT = '30m';
