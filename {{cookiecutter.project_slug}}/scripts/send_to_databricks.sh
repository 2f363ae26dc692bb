#!/usr/bin/env bash
# Send your branch's notebooks to its Databricks folder: scripts/send_to_databricks.sh BI-4811 [config]
set -euo pipefail
cd "$(dirname "$0")/.."
branch="${1:?usage: scripts/send_to_databricks.sh <branch> [config]}"
exec invoke send --target databricks --branch "$branch" ${2:+--config "$2"}
