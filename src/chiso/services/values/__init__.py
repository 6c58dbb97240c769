"""Indicator values: every source (files, forms, the API, computations, assessments) stores
through one audited path; templates, exports, history, quality flags and completeness read it."""
