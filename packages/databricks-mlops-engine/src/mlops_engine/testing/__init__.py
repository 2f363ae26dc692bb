"""What a project's own tests need, as a pytest plugin (entry point ``mlops_engine``): a Spark session, MLflow on
a temporary store, and a notebook of the project run on the local target."""

INTEGRATION_FOLDER = "integration"
"""The folder, within a test folder, of tests against real services (an MLflow server, notebook runs): they are
marked ``integration``, and a unit run (``invoke ci``) does not even collect them."""
