/**
 * A shell function shared by the scripts that call the controller: POST a JSON file with curl, retrying only what
 * may pass (no connection, 429, 5xx) a few times with a growing pause. Options come from a config file so neither a
 * credential nor a token ever appears in the process list. Sets post_code (000 when nothing answered) and attempt.
 */
export function postJsonFunction(): string {
  return `attempts=\${PATCHLINE_ATTEMPTS:-3}
retry_delay=\${PATCHLINE_RETRY_DELAY:-2}
case $attempts in '' | *[!0-9]*) attempts=3 ;; esac
case $retry_delay in '' | *[!0-9]*) retry_delay=2 ;; esac

post_json() {
  attempt=1
  while :; do
    post_code=$(curl --config "$4" --silent --show-error --connect-timeout 5 --max-time 20 \\
      --header 'Content-Type: application/json' --data-binary "@$2" \\
      --output "$3" --write-out '%{http_code}' "$1") || post_code=\${post_code:-000}
    case $post_code in
      2??) return 0 ;;
      429 | 5?? | 000) ;;
      *) return 1 ;;
    esac
    if [ "$attempt" -ge "$attempts" ]; then
      return 1
    fi
    sleep $((retry_delay * attempt))
    attempt=$((attempt + 1))
  done
}
`;
}
