/**
 * Parses `WWW-Authenticate` (RFC 7235): one or more challenges, each a scheme followed by `name=value` parameters
 * whose values are tokens or quoted strings. Registries put commas inside quoted values (`scope="repository:a:pull,push"`)
 * and fetch joins repeated headers with ", ", so a split on commas would be wrong: this is a small scanner instead.
 */
export type AuthChallenge =
  | { scheme: 'bearer'; realm: string; service?: string; scope?: string; error?: string }
  | { scheme: 'basic'; realm?: string }
  | { scheme: 'other'; name: string };

interface RawChallenge {
  scheme: string;
  params: Map<string, string>;
}

export function parseAuthChallenges(header: string): AuthChallenge[] {
  return scanChallenges(header).flatMap((raw): AuthChallenge[] => {
    const scheme = raw.scheme.toLowerCase();
    const param = (name: string) => raw.params.get(name);
    if (scheme === 'bearer') {
      const realm = param('realm');
      // A bearer challenge without a realm gives us nowhere to ask for a token: treat it as unusable.
      if (realm === undefined || realm === '') return [{ scheme: 'other', name: raw.scheme }];
      return [
        withDefined({
          scheme: 'bearer',
          realm,
          service: param('service'),
          scope: param('scope'),
          error: param('error'),
        }),
      ];
    }
    if (scheme === 'basic') return [withDefined({ scheme: 'basic', realm: param('realm') })];
    return [{ scheme: 'other', name: raw.scheme }];
  });
}

/** Drops keys whose value is undefined, so results compare cleanly and optional fields stay absent. */
function withDefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/=]/;

function scanChallenges(header: string): RawChallenge[] {
  const challenges: RawChallenge[] = [];
  let pos = 0;

  const skipSpaces = () => {
    while (pos < header.length && (header[pos] === ' ' || header[pos] === '\t')) pos++;
  };
  const skipSeparators = () => {
    while (pos < header.length && (header[pos] === ' ' || header[pos] === '\t' || header[pos] === ',')) pos++;
  };
  const readToken = (): string => {
    const start = pos;
    while (pos < header.length && TOKEN_CHAR.test(header[pos] ?? '')) pos++;
    return header.slice(start, pos);
  };
  const readQuoted = (): string => {
    pos++; // opening quote
    let value = '';
    while (pos < header.length && header[pos] !== '"') {
      if (header[pos] === '\\' && pos + 1 < header.length) pos++;
      value += header[pos];
      pos++;
    }
    pos++; // closing quote (or end of a truncated header)
    return value;
  };
  /** An unquoted value; lenient (up to a comma or space) because some servers leave URLs unquoted. */
  const readBare = (): string => {
    const start = pos;
    while (pos < header.length && header[pos] !== ',' && header[pos] !== ' ' && header[pos] !== '\t') pos++;
    return header.slice(start, pos);
  };
  /** Whether the text at pos is `name =` (a parameter) rather than the next challenge's scheme. */
  const atParameter = (): boolean => {
    const save = pos;
    const name = readToken();
    skipSpaces();
    const isParam = name !== '' && header[pos] === '=' && header[pos + 1] !== '=';
    pos = save;
    return isParam;
  };

  skipSeparators();
  while (pos < header.length) {
    const scheme = readToken();
    if (scheme === '') {
      // Not a token where a scheme should be: skip the character rather than loop forever on garbage.
      pos++;
      skipSeparators();
      continue;
    }
    const challenge: RawChallenge = { scheme, params: new Map() };
    challenges.push(challenge);
    skipSpaces();
    if (!atParameter()) {
      // token68 form (`Negotiate abc==`): keep nothing from it, but step over it.
      while (pos < header.length && TOKEN68_CHAR.test(header[pos] ?? '')) pos++;
    }
    for (;;) {
      skipSeparators();
      if (pos >= header.length || !atParameter()) break;
      const name = readToken().toLowerCase();
      skipSpaces();
      pos++; // '='
      skipSpaces();
      const value = header[pos] === '"' ? readQuoted() : readBare();
      if (!challenge.params.has(name)) challenge.params.set(name, value);
    }
  }
  return challenges;
}
