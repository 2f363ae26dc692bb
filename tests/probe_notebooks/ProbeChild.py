# Databricks notebook source
child_saw = dbutils.widgets.get("who")
