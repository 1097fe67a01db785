"""The UI face: thin rx.State classes that call services and store results."""
