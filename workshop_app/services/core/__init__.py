"""Cross-cutting pieces every feature uses: typed errors, short-lived caches, database threads, the one
background-job registry. Also stream pacing and stopping, reading owned rows through the policy, fixed choices,
and the Redis clients with bounded waits."""
