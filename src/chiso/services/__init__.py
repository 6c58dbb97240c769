"""Use cases, arranged as the office's work is: each subpackage owns one part of the cycle and its
transactions (`Runtime.db.transaction()`); repositories in `chiso.store` do the SQL.

- `units`: the organisation units, their names and codes (the one resolver), lineage, imports,
  the departments list and the registries units keep (steering committee, community teams).
- `values`: values entered, uploaded or computed: importing, storing with audit, templates,
  exports, history, quality flags, reporting completeness.
- `scoring`: frameworks (shipped and registered) and evaluations on stored values or plain files.
- `dashboard`: what the web pages show, cached per runtime.
- `documents`: letters, appendices, committee reports, ranking decisions, reminders.
- `assessments`: the yearly self-assessment cycle and its evidence files.
- `tasks`: tasks from directives, their progress and deadlines.
- `accounts`: who uses chiso (accounts, sessions, tokens), who is acting, e-mail digests.
- `system`: the application database and the demo province.
- `facts`, `generate`, `pdf_scan`: raw platform records, generated records, signed-PDF folders.
"""
