"""Import and export as plain functions over a database (csv, tsv, xlsx, json, jsonl, vcf, ics).

Nothing here prints or imports textual, typer or rich; progress goes to an optional
callback `progress(stage, done, total)`. The import API, for the CLI and the TUI alike:

    from clientdesk.exchange.sources import open_path          # or open_sheet(stream, name)
    from clientdesk.exchange.importer import ImportOptions, validate_import

    sheet = open_path("customers.xlsx")                        # SourceError: unreadable file
    plan = validate_import(database, "customers", sheet, ImportOptions(...), progress)
    try:
        plan.report                # problems (line, column, value, reason), warnings, counts
        if plan.report.ok:
            plan.commit(progress)  # one transaction; report.batch is the undo handle
    finally:
        plan.close()

    batches.undo_batch(database, batch, actor=...)             # take an import back
    snapshot.export_snapshot(database, out) / import_snapshot(database, stream, name)
    export.export_entity(database, "customers", out, ExportOptions(...), progress)

Modules: sources (formats, encodings via encoding), columns (header matching), values
(cell parsers), importer (pipeline), customers and records (per-entity rules), batches
(undo), report (problems and the errors sheet), export with timezones, xlsx and vcard,
snapshot, safety (formula injection), files (owner-only output), keys (fast pinyin).
"""
