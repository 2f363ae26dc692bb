# Databricks notebook source
ENVIRONMENT = "production"
SALES_PATH = "dbfs:/sample/production/sales"
