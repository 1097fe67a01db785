"""Cross-cutting pieces every feature uses: typed errors, short-lived caches, database threads.
Also stream pacing and stopping, reading owned rows through the policy, and parsing fixed choices."""
