"""The sample project's library: what a notebook imports after installing it."""

VALUE = 42

