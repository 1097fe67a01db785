"""The UI face: thin rx.State classes that call services and store results.

A page's on_load runs on the server after the hydrate, behind any event the page sent before it
was hydrated (a quick sign-in, a field typed into at once). A load therefore assigns only what
the page cannot already hold from such an event: it sets a text field only from the address it
was opened with, and does not lead a tab on that an earlier event has led (account_forms_state).
"""
