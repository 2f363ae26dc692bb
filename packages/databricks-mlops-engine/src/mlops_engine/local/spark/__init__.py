"""Local Spark: the run's session, the warm driver kept between runs, the class archive."""
