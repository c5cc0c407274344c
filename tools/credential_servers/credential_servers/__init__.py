"""Local stand-ins for the services the credential providers call: STS, the container
credentials endpoint, EC2 instance metadata (IMDSv2) and the SSO portal. See README.md."""
