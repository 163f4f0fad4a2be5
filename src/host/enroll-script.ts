import type { HostFilesOptions } from './host-options.js';
import { HOST_PATHS } from './host-paths.js';
import { postJsonFunction } from './post-json-function.js';
import { NOT_SECRET_PATTERN, scriptHeader, workDirectory } from './script-header.js';
import { shellQuote } from './shell-quote.js';

/**
 * /usr/lib/patchline/enroll.sh, run once at first boot by patchline-enroll.service: trades the one-time token in
 * /etc/patchline/enrollment-token for this host's own credential, writes /etc/ostree/auth.json so bootc pulls
 * through the gateway as this host, and reports at once. Exit 2 means retrying cannot help (the token was refused);
 * exit 1 means it may pass later (no network, controller down), and systemd restarts it.
 */
export function enrollScript(options: HostFilesOptions): string {
  return `${scriptHeader('Patchline: enroll this host with the controller using its one-time enrollment token.', ['etc', 'run', 'lib'])}
controller=${shellQuote(options.controller.url)}
registry=${shellQuote(options.controller.registry)}
labels=${shellQuote(JSON.stringify(options.labels))}
ostree_auth=\${PATCHLINE_OSTREE_AUTH:-${HOST_PATHS.ostreeAuth}}

${postJsonFunction()}
credential_file=$etc_dir/credential
token_file=$etc_dir/enrollment-token
name_file=$etc_dir/host-name

if [ -s "$credential_file" ]; then
  log "already enrolled ($credential_file exists)"
  exit 0
fi
if [ ! -s "$token_file" ]; then
  log "no enrollment token in $token_file (make one with: patchline host enroll-token)"
  exit 2
fi
token=$(tr -d ' \\t\\r\\n' <"$token_file")
case $token in
  '' | ${NOT_SECRET_PATTERN})
    log "$token_file does not hold an enrollment token"
    exit 2
    ;;
esac

if [ -s "$name_file" ]; then
  name=$(tr -d ' \\t\\r\\n' <"$name_file")
else
  name=$(hostname 2>/dev/null || cat /proc/sys/kernel/hostname)
  name=$(printf '%s' "$name" | tr '[:upper:]' '[:lower:]')
fi
case $name in
  '' | *[!a-z0-9.-]* | [.-]* | *[.-])
    log "host name '$name' cannot name a host (lower-case letters, digits, '-' and '.'); write one to $name_file"
    exit 2
    ;;
esac

${workDirectory('enroll')}
: >"$work/curl.conf"
printf '{"token":"%s","name":"%s","labels":%s}\\n' "$token" "$name" "$labels" >"$work/body.json"

if ! post_json "$controller/host/v1/enroll" "$work/body.json" "$work/answer" "$work/curl.conf"; then
  answer=$(head -c 300 "$work/answer" 2>/dev/null)
  case $post_code in
    4??)
      log "the controller refused enrollment as $name (HTTP $post_code): $answer"
      exit 2
      ;;
  esac
  log "could not reach $controller to enroll (HTTP $post_code, attempt $attempt of $attempts): $answer"
  exit 1
fi
credential=$(sed -n 's#.*"credential":"\\([A-Za-z0-9._~+/=-]*\\)".*#\\1#p' "$work/answer")
if [ -z "$credential" ]; then
  log "the controller's answer holds no credential: $(head -c 300 "$work/answer")"
  exit 1
fi

# Secrets are written whole (temporary file, then rename) and readable by root alone.
umask 077
write_file() {
  staged=$(mktemp "$1.XXXXXX") || return 1
  if printf '%s\\n' "$2" >"$staged" && mv -f "$staged" "$1"; then
    return 0
  fi
  rm -f "$staged"
  return 1
}

# bootc pulls through the gateway with basic auth: this host's name and credential.
auth=$(printf '%s:%s' "$name" "$credential" | base64 | tr -d '\\n')
mkdir -p "$(dirname "$ostree_auth")" || exit 1
if [ -s "$ostree_auth" ] && [ ! -e "$ostree_auth.before-patchline" ]; then
  cp -p "$ostree_auth" "$ostree_auth.before-patchline" || exit 1
  log "kept the previous $ostree_auth as $ostree_auth.before-patchline"
fi
write_file "$ostree_auth" "{\\"auths\\":{\\"$registry\\":{\\"auth\\":\\"$auth\\"}}}" || exit 1
write_file "$name_file" "$name" || exit 1
# The credential goes last: its presence is what marks the host enrolled.
write_file "$credential_file" "$credential" || exit 1
rm -f "$token_file"
log "enrolled as $name with $controller"

if ! "$lib_dir/report.sh"; then
  log "the first report failed; patchline-status.timer reports later"
fi
exit 0
`;
}
