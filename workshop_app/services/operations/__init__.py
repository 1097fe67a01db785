"""Running the platform: health checks, Prometheus metrics, structured logs, smoke checks.
Also backups and restores: the archive format, its encryption and why one was refused."""
