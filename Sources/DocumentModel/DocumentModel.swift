// DocumentModel: DocTypes, documents, validation, naming, and the diff engine.
//
// It knows JSON values and nothing else: no files (callers pass bytes or parsed JSON), no log,
// no clock (naming takes today's date), no global state.
//
// The pieces, in the order a change meets them:
// - `DocType` / `DocField` / `FieldType`: Frappe's DocType JSON as-is (unknown keys ignored,
//   unknown field types kept as `.other`, layout fields kept for order and holding no data).
// - `Schema`: a site's DocTypes by name, always including `SystemDocTypes` (User, Role, Has Role
//   and the event-streaming records). `Schema.loading(files)` returns warnings for files that
//   reuse a system DocType's name (skipped) and for tables whose child DocType is missing.
// - `NamingRule` / `NamePattern` / `Namer`: names for new documents and rows; counters, date and
//   random source are injected (`SeriesCounter`, `CivilDate`, any `RandomNumberGenerator`).
// - `Schema.validate(_:previous:)`: coercion to field types and every issue collected in one
//   `ValidationError`; with `previous`, the docstatus lifecycle and `allow_on_submit` rules.
// - `DocumentDiff`: Frappe's update format; `between(_:_:in:)`, `apply(to:)`, `init(json:)`/`json`.
//
// Decisions worth knowing (see each type for the whole promise):
// - Values compare with "missing ≡ null", numbers by value (`12 == 12.0`), text by bytes.
// - A diff never mentions standard columns (`name`, `owner`, `creation`, `modified`,
//   `modified_by`, `idx`, parent columns) nor undeclared keys; the parent's `docstatus` it does.
// - Apply keeps surviving rows in order and appends added ones; `idx` is renumbered 1…n when rows
//   were removed, otherwise only added rows get their position. Reordering existing rows is not
//   carried by Frappe's format, so it is not replicated.
// - A `row_changed` entry for a row the document lacks is an error (the diff was made from
//   another version); applying the same diff twice equals applying it once.
