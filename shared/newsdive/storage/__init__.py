"""Ports (small abstract interfaces the domain code talks to) and their adapters.

`ports` is what domain code imports; `aws` implements it with boto3 (S3, SQS, DynamoDB); `memory` implements it
in memory for unit tests and benchmarks.
"""
