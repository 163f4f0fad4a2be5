import { z } from 'zod';

/**
 * What `patchline host files` generates from, checked before anything is written. Every value ends up in a shell
 * script, a systemd unit, a TOML drop-in or a Containerfile, so each is held to the narrowest shape it can have
 * (and is quoted where it lands anyway).
 */

/** The controller's resource names (DNS-subdomain-like); the same rule as the controller's API. */
export const hostResourceNameSchema = z
  .string()
  .max(253)
  .regex(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/, 'expected lower-case letters, digits, "-" and "." (e.g. web-01)');

/**
 * A systemd calendar expression (`*:0/15`, `Mon..Fri 02:00`, `daily`): letters, digits and the punctuation systemd
 * uses. Anything else (a newline above all) could start a new unit setting.
 */
export const calendarSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9*:/,.~ +-]+$/, 'expected a systemd calendar expression such as "*:0/15" or "Mon..Fri 02:00"');

/** A systemd time span such as 1min, 30s, 1h 30min. */
export const timeSpanSchema = z
  .string()
  .max(100)
  .regex(
    /^\d+\s*(us|ms|s|sec|second|seconds|m|min|minute|minutes|h|hr|hour|hours|d|day|days|w|week|weeks)(\s+\d+\s*(us|ms|s|sec|second|seconds|m|min|minute|minutes|h|hr|hour|hours|d|day|days|w|week|weeks))*$/,
    'expected a systemd time span such as 1min, 30s or 1h 30min',
  );

/** Label keys and values as Kubernetes has them; they travel in the enrollment request. */
const labelKeySchema = z
  .string()
  .max(253)
  .regex(/^([a-z0-9]([a-z0-9.-]*[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/, 'expected a label key');
const labelValueSchema = z
  .string()
  .max(63)
  .regex(/^([A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)?$/, 'expected a label value');

/** The host credential as the controller issues it; also what may safely stand in a curl config line. */
export const credentialSchema = z
  .string()
  .min(8)
  .max(512)
  .regex(/^[A-Za-z0-9._~+/=-]+$/, 'expected a host credential (letters, digits and ._~+/=-)');

export interface Controller {
  /** Base URL without a trailing slash: http://ctl.example.com:8080 */
  url: string;
  /** host[:port] as registry references and auth.json keys write it. */
  registry: string;
  /** Plain HTTP: the registry must be marked insecure for containers/image to pull from it. */
  insecure: boolean;
}

export const controllerUrlSchema = z.string().transform((text, context): Controller => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    context.addIssue({ code: 'custom', message: 'is not a URL (expected e.g. https://patchline.example.com)' });
    return z.NEVER;
  }
  const problem =
    url.protocol !== 'http:' && url.protocol !== 'https:'
      ? 'expected an http:// or https:// URL'
      : url.username !== '' || url.password !== ''
        ? 'must not carry a user or password (hosts authenticate with their own credential)'
        : url.pathname !== '/' || url.search !== '' || url.hash !== ''
          ? // The registry protocol lives at /v2/ of the host, so the controller cannot sit under a path.
            'must be the controller root, without a path, query or fragment'
          : !/^[A-Za-z0-9.:[\]-]+$/.test(url.host)
            ? 'has a host name hosts cannot use'
            : undefined;
  if (problem !== undefined) {
    context.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  }
  return { url: `${url.protocol}//${url.host}`, registry: url.host, insecure: url.protocol === 'http:' };
});

export const hostFilesOptionsSchema = z
  .object({
    controller: controllerUrlSchema,
    fleet: hostResourceNameSchema,
    /** Default: every 15 minutes; the gateway decides when a host actually sees a new image. */
    updateSchedule: calendarSchema.default('*:0/15'),
    statusInterval: timeSpanSchema.default('1min'),
    /** Labels a host expects when it enrolls at first boot: the token must carry them (a host cannot add labels). */
    labels: z.record(labelKeySchema, labelValueSchema).default({}),
    /** Files for one host that is already enrolled: its name and credential, and the auth.json made from them. */
    enrolled: z.object({ name: hostResourceNameSchema, credential: credentialSchema }).optional(),
    /** Files for one host that enrolls itself at first boot: its name and one-time token. */
    enrollment: z.object({ name: hostResourceNameSchema, token: credentialSchema }).optional(),
    /** The user's health checks: file name (no directory) and content, copied executable. */
    checks: z
      .array(
        z.object({
          name: z
            .string()
            .max(200)
            .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a file name of letters, digits, ".", "_" and "-"'),
          content: z.instanceof(Uint8Array),
        }),
      )
      .default([])
      .refine((checks) => new Set(checks.map((check) => check.name)).size === checks.length, {
        message: 'two checks have the same file name; each lands in /etc/patchline/checks.d under its own name',
      }),
  })
  .refine((options) => options.enrolled === undefined || options.enrollment === undefined, {
    message: 'a host is either enrolled (its credential) or enrolls at first boot (its token), not both',
    path: ['enrollment'],
  });
export type HostFilesInput = z.input<typeof hostFilesOptionsSchema>;
export type HostFilesOptions = z.output<typeof hostFilesOptionsSchema>;

/** The image reference hosts pull through the controller's registry gateway. */
export function gatewayImage(options: HostFilesOptions, tag = 'latest'): string {
  return `${options.controller.registry}/fleets/${options.fleet}/os:${tag}`;
}
