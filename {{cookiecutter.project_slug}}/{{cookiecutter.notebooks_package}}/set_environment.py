# Databricks notebook source
# MAGIC %run ./conf/{{ cookiecutter.developers.split(',')[0].strip() }}_config
