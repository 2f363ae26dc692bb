# Databricks notebook source
# MAGIC %run ./conf/dev_config
