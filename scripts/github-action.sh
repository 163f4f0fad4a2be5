#!/usr/bin/env bash
# The Patchline GitHub Action (action.yml at the repository root runs this, then uploads the SARIF and exits by the
# gate's exit code). Kept in a script so it can be run and tested outside GitHub: give it the variables a runner sets
# (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, RUNNER_TEMP, GITHUB_ACTION_PATH) and the action's inputs as INPUT_* variables.
#
#   1. install Patchline: from npm at the action's own version (install: npm), built from the action's checkout
#      (install: source), or the one already on PATH (install: none);
#   2. get the advisory database: `db pull` of an OCI artifact (db-artifact), `db import` of files (db-import), or
#      `db update` from the publishers;
#   3. gate the image: SARIF and evidence in one run, the markdown verdict in a second (the gate writes one report a
#      run; the second reads the image from the blob cache), and the two verdicts must agree;
#   4. write the markdown to the job summary, the outputs to GITHUB_OUTPUT, and exit 0 pass, 1 fail, 2 error.
set -euo pipefail

# Set once the outputs are written; a step that stops the script before then (an npm install that fails, say) still
# leaves the outputs an error needs, so the action's last step fails the job with exit 2.
outputs_written=false
# shellcheck disable=SC2317 # called by the EXIT trap
on_exit() {
  local status=$?
  if [[ "$outputs_written" == false && -n "${GITHUB_OUTPUT:-}" ]]; then
    write_output verdict error
    write_output exit-code 2
  fi
  exit "$status"
}
trap on_exit EXIT

fail_usage() {
  echo "::error title=Patchline::$1"
  exit 2
}

write_output() {
  if [[ "$2" == *$'\n'* ]]; then
    echo "::error title=Patchline::output $1 holds a newline" >&2
    exit 2
  fi
  printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
}

boolean_input() {
  case "$2" in
    true | false) ;;
    *) fail_usage "input $1 must be true or false, not '$2'" ;;
  esac
}

if [[ -z "${GITHUB_OUTPUT:-}" || -z "${RUNNER_TEMP:-}" ]]; then
  echo "::error title=Patchline::GITHUB_OUTPUT and RUNNER_TEMP must be set (this script runs as a GitHub Action step)" >&2
  exit 2
fi

image="${INPUT_IMAGE:-}"
policy="${INPUT_POLICY:-}"
install="${INPUT_INSTALL:-npm}"
version="${INPUT_VERSION:-}"
db_artifact="${INPUT_DB_ARTIFACT:-}"
db_import="${INPUT_DB_IMPORT:-}"
db_sources="${INPUT_DB_SOURCES:-}"
db="${INPUT_DB:-}"
sarif="${INPUT_SARIF:-}"
evidence="${INPUT_EVIDENCE:-}"
upload_sarif="${INPUT_UPLOAD_SARIF:-true}"
summary="${INPUT_SUMMARY:-true}"

[[ -n "$image" ]] || fail_usage 'input image is required (the image to gate, e.g. docker://registry.example.com/os:tag)'
[[ -n "$policy" ]] || fail_usage 'input policy is required (a policy file, apiVersion patchline.dev/v1, kind Policy)'
[[ -z "$db_artifact" || -z "$db_import" ]] || fail_usage 'inputs db-artifact and db-import exclude each other'
boolean_input upload-sarif "$upload_sarif"
boolean_input summary "$summary"
work="$RUNNER_TEMP/patchline"
mkdir -p "$work"
db="${db:-$work/advisories.db}"
sarif="${sarif:-$work/gate.sarif}"
evidence="${evidence:-$work/evidence.json}"
markdown="$work/gate.md"
rm -f "$sarif" "$markdown" "$evidence"

echo "::group::Install Patchline ($install)"
case "$install" in
  npm)
    if [[ -z "$version" ]]; then
      # The action's own version: `uses: OWNER/patchline@v1.2.3` runs patchline 1.2.3.
      [[ -n "${GITHUB_ACTION_PATH:-}" ]] || fail_usage 'input version is required when GITHUB_ACTION_PATH is not set'
      version="$(node -p 'require(process.argv[1]).version' "$GITHUB_ACTION_PATH/package.json")"
    fi
    npm install --global --no-audit --no-fund "patchline@$version"
    patchline=(patchline)
    ;;
  source)
    [[ -n "${GITHUB_ACTION_PATH:-}" ]] || fail_usage 'install: source needs GITHUB_ACTION_PATH (the action checkout)'
    (cd "$GITHUB_ACTION_PATH" && npm ci --no-audit --no-fund && npm run build)
    patchline=(node "$GITHUB_ACTION_PATH/dist/cli/bin.js")
    ;;
  none)
    command -v patchline >/dev/null || fail_usage 'install: none, but there is no patchline on PATH'
    patchline=(patchline)
    ;;
  *) fail_usage "input install must be npm, source or none, not '$install'" ;;
esac
"${patchline[@]}" --version
echo "::endgroup::"

echo "::group::Advisory database ($db)"
mkdir -p "$(dirname "$db")"
db_status=0
if [[ -n "$db_artifact" ]]; then
  "${patchline[@]}" db pull "$db_artifact" --db "$db" || db_status=$?
elif [[ -n "$db_import" ]]; then
  # Files, folders or archives, one a line (a YAML block scalar in the workflow).
  mapfile -t import_paths < <(printf '%s\n' "$db_import" | sed '/^[[:space:]]*$/d')
  "${patchline[@]}" db import "${import_paths[@]}" --db "$db" || db_status=$?
else
  update_args=()
  [[ -z "$db_sources" ]] || update_args=(--source "$db_sources")
  "${patchline[@]}" db update --db "$db" "${update_args[@]}" || db_status=$?
fi
echo "::endgroup::"

gate_status=0
if [[ "$db_status" -ne 0 ]]; then
  echo "::error title=Patchline::the advisory database could not be obtained (exit $db_status); the image was not gated"
  gate_status=2
else
  echo "::group::Gate $image"
  "${patchline[@]}" gate "$image" --policy "$policy" --db "$db" -f sarif -o "$sarif" --evidence "$evidence" ||
    gate_status=$?
  if [[ "$gate_status" -eq 0 || "$gate_status" -eq 1 ]]; then
    markdown_status=0
    "${patchline[@]}" gate "$image" --policy "$policy" --db "$db" -f markdown -o "$markdown" || markdown_status=$?
    if [[ "$markdown_status" -ne "$gate_status" ]]; then
      echo "::error title=Patchline::the gate's two runs disagree (exit $gate_status, then $markdown_status)"
      gate_status=2
    fi
  fi
  echo "::endgroup::"
fi

case "$gate_status" in
  0) verdict=pass ;;
  1) verdict=fail ;;
  *) verdict=error ;;
esac

if [[ "$summary" == true && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
  if [[ "$verdict" != error && -s "$markdown" ]]; then
    cat "$markdown" >>"$GITHUB_STEP_SUMMARY"
  else
    {
      echo '## ⚠️ Patchline gate: error'
      echo
      echo "The image was not judged (exit $gate_status): the job log says why."
    } >>"$GITHUB_STEP_SUMMARY"
  fi
fi

outputs_written=true
write_output verdict "$verdict"
write_output exit-code "$gate_status"
if [[ "$verdict" != error && -s "$sarif" ]]; then
  write_output sarif-file "$sarif"
fi
[[ ! -s "$markdown" ]] || write_output markdown-file "$markdown"
[[ ! -s "$evidence" || "$verdict" == error ]] || write_output evidence-file "$evidence"
exit "$gate_status"
