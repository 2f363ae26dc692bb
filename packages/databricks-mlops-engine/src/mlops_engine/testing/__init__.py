"""What a project's own tests need, as a pytest plugin (entry point ``mlops_engine``): a Spark session, MLflow on
a temporary store, and a notebook of the project run on the local target."""
