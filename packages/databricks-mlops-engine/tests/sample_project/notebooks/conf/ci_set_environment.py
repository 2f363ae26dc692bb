# Databricks notebook source
# MAGIC %run ./conf/ci_config
