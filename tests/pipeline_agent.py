"""A small stand-in for an Azure Pipelines agent: runs a job of the generated azure-pipelines.yml.

Each job starts from a fresh ``git clone`` of the project, as an agent's checkout does. ``$(Name)``
macros are expanded as Azure expands them (an undefined one stays as text), predefined variables are
set in the environment with Azure's names (``BUILD_BUILDID`` ...), variables of the variable group are
secrets (reachable only through a step's ``env:`` mapping), and task steps are emulated after their
required inputs are checked: pipeline artifacts are copied between jobs, published files must exist.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

REQUIRED_INPUTS = {
    "UsePythonVersion@0": {"versionSpec"},
    "Cache@2": {"key", "path"},
    "PublishTestResults@2": {"testResultsFiles"},
    "PublishCodeCoverageResults@1": {"codeCoverageTool", "summaryFileLocation"},
    "PublishPipelineArtifact@1": {"targetPath", "artifact"},
    "DownloadPipelineArtifact@2": {"artifactName", "targetPath"},
}
MACRO = re.compile(r"\$\(([A-Za-z_][\w.]*)\)")


@dataclass
class StepResult:
    """What one step did."""

    name: str
    returncode: int
    stdout: str = ""
    stderr: str = ""


@dataclass
class Agent:
    """Runs jobs of one pipeline run (one build id) of the project at ``source``."""

    source: Path
    work: Path
    predefined: dict[str, str]
    variables: dict[str, str]
    base_env: dict[str, str]
    pytest_addopts: str = ""
    artifacts: dict[str, Path] = field(default_factory=dict)

    def lookup(self, secrets: dict[str, str]) -> dict[str, str]:
        return {key.lower(): value for key, value in {**self.predefined, **self.variables, **secrets}.items()}

    def expand(self, text: str, secrets: dict[str, str]) -> str:
        known = self.lookup(secrets)
        return MACRO.sub(lambda match: known.get(match.group(1).lower(), match.group(0)), text)

    def environment(self, step_env: dict[str, str], secrets: dict[str, str], sources: Path) -> dict[str, str]:
        visible = {**self.predefined, **self.variables}
        exposed = {name.upper().replace(".", "_"): value for name, value in visible.items()}
        env = {**self.base_env, **exposed, "BUILD_SOURCESDIRECTORY": str(sources),
               "SYSTEM_DEFAULTWORKINGDIRECTORY": str(sources)}
        if self.pytest_addopts:
            env["PYTEST_ADDOPTS"] = self.pytest_addopts
        env.update({name: self.expand(str(value), secrets) for name, value in step_env.items()})
        return env

    def run_job(self, name: str, steps: list[dict[str, Any]], secrets: dict[str, str]) -> list[StepResult]:
        """Clone, then run the steps in order; after a failure only ``succeededOrFailed()`` steps run."""
        sources = self.work / self.predefined["Build.BuildId"] / name / "s"
        subprocess.run(["git", "clone", "-q", "--branch", self.predefined["Build.SourceBranchName"],
                        str(self.source), str(sources)], check=True)
        results: list[StepResult] = []
        for step in steps:
            failed = any(result.returncode != 0 for result in results)
            if failed and step.get("condition") not in ("succeededOrFailed()", "always()"):
                continue
            if "script" in step:
                results.append(self._script(step, secrets, sources))
            elif "task" in step:
                results.append(self._task(step, secrets, sources))
        return results

    def _script(self, step: dict[str, Any], secrets: dict[str, str], sources: Path) -> StepResult:
        command = self.expand(step["script"], secrets)
        result = subprocess.run(["bash", "-c", command], cwd=sources, capture_output=True, text=True, check=False,
                                env=self.environment(step.get("env") or {}, secrets, sources), timeout=600)
        return StepResult(step.get("displayName", command), result.returncode, result.stdout, result.stderr)

    def _task(self, step: dict[str, Any], secrets: dict[str, str], sources: Path) -> StepResult:
        task = step["task"]
        inputs = {key: self.expand(str(value), secrets) for key, value in (step.get("inputs") or {}).items()}
        missing = REQUIRED_INPUTS[task] - set(inputs)
        assert not missing, f"{task} lacks its required inputs {missing}"
        name = step.get("displayName", task)
        if task == "UsePythonVersion@0":
            assert inputs["versionSpec"] == f"{sys.version_info.major}.{sys.version_info.minor}", inputs
        elif task == "PublishTestResults@2":
            if not (sources / inputs["testResultsFiles"]).exists():  # Azure warns; fails only if told to
                failing = inputs.get("failTaskOnMissingResultsFile", "").lower() == "true"
                return StepResult(name, int(failing), f"##[warning]No test result files matching "
                                                      f"{inputs['testResultsFiles']} were found.")
            root = ElementTree.parse(sources / inputs["testResultsFiles"]).getroot()
            assert root.tag in {"testsuites", "testsuite"}
        elif task == "PublishCodeCoverageResults@1":
            assert inputs["codeCoverageTool"] == "Cobertura"
            if not (sources / inputs["summaryFileLocation"]).exists():  # Azure warns (an earlier step failed)
                return StepResult(name, 0, f"##[warning]No code coverage results were found at "
                                           f"{inputs['summaryFileLocation']}.")
            assert ElementTree.parse(sources / inputs["summaryFileLocation"]).getroot().tag == "coverage"
        elif task == "PublishPipelineArtifact@1":
            stored = self.work / "artifacts" / self.predefined["Build.BuildId"] / inputs["artifact"]
            shutil.copytree(sources / inputs["targetPath"], stored)
            self.artifacts[inputs["artifact"]] = stored
        elif task == "DownloadPipelineArtifact@2":
            shutil.copytree(self.artifacts[inputs["artifactName"]], sources / inputs["targetPath"])
        return StepResult(name, 0)


def job_steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps of a job or of a deployment job's runOnce strategy."""
    if "steps" in job:
        return job["steps"]
    return job["strategy"]["runOnce"]["deploy"]["steps"]


def condition_holds(condition: str, variables: dict[str, str], previous_succeeded: bool) -> bool:
    """Evaluate the small expression language the pipeline's conditions use (and, eq, ne, succeeded)."""
    known = {key.lower(): value for key, value in variables.items()}
    expression = re.sub(r"variables\['([^']+)'\]", lambda m: repr(known.get(m.group(1).lower(), "")), condition)
    expression = expression.replace("succeeded()", str(previous_succeeded))
    for function, python in (("and(", "all_("), ("or(", "any_("), ("eq(", "eq_("), ("ne(", "ne_(")):
        expression = re.sub(rf"\b{re.escape(function)}", python, expression)
    functions = {"all_": lambda *a: all(a), "any_": lambda *a: any(a), "eq_": lambda a, b: str(a).lower() == str(
        b).lower(), "ne_": lambda a, b: str(a).lower() != str(b).lower()}
    return bool(eval(expression, {"__builtins__": {}}, functions))  # noqa: S307 - the template's own YAML


def base_environment(home: Path, python_bin: Path) -> dict[str, str]:
    """The agent's own environment: its venv first on PATH, no Databricks settings of the machine, and Python
    writing its bytecode caches as on a hosted agent (whatever this machine's shell says)."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("DATABRICKS_", "ARM_", "BUILD_", "GITHUB_", "MLFLOW_", "PYTEST_"))
           and key != "PYTHONDONTWRITEBYTECODE"}
    config = home / ".databrickscfg"
    config.write_text("")
    env.pop("VIRTUAL_ENV", None)
    env.update({"PATH": f"{python_bin}{os.pathsep}{env.get('PATH', '')}", "HOME": str(home),
                "DATABRICKS_CONFIG_FILE": str(config), "TF_BUILD": "True"})
    return env
