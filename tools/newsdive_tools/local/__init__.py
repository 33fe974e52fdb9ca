"""Local run on a moto server: deploy the SAM template and play the part of Lambda's event sources.

Local-run only: no Lambda handler imports this package.
"""
