#!/usr/bin/env bash
# Existing databases migrate forward with nothing lost: build a database with the code of an
# earlier commit (default: the last one before the layered layout) and a small demo book, migrate
# it with this tree's code, then compare every table's row count and run check_ledger.
# Usage: devtools/scripts/migrate_forward.sh [COMMIT]   (DATABASE_URL picks PostgreSQL; default SQLite)
set -euo pipefail
cd "$(dirname "$0")/../.."
before="${1:-f4f4219}"
py="$(pwd)/.venv/bin/python"
work="$(mktemp -d /tmp/workbench-migrate.XXXXXX)"
trap 'rm -rf "$work"' EXIT
git archive "$before" | tar -x -C "$work" --one-top-level=old
export VAR_DIR="$work/var"
mkdir -p "$VAR_DIR"
if [ -n "${DATABASE_URL:-}" ]; then
    base="${DATABASE_URL%/*}"
    export DATABASE_URL="$base/workbench_migrate_forward"
    psql "$base/postgres" -qc "DROP DATABASE IF EXISTS workbench_migrate_forward" -c "CREATE DATABASE workbench_migrate_forward"
fi
count_rows='
import json
from django.db import connection
with connection.cursor() as cursor:
    counts = {}
    for table in sorted(connection.introspection.table_names()):
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        counts[table] = cursor.fetchone()[0]
print(json.dumps(counts))
'
# The old tree runs on this tree's virtualenv, whose editable install would serve any module the old
# tree lacks (a package's new templatetags, say) from this tree: its finder is taken out first.
old_manage() {
    "$py" -c 'import runpy, sys
editable = lambda f: getattr(f, "__module__", "").startswith("__editable__")
sys.meta_path[:] = [f for f in sys.meta_path if not editable(f)]
sys.path_hooks[:] = [h for h in sys.path_hooks if not editable(h)]
sys.path_importer_cache.clear()
sys.path.insert(0, ".")
sys.argv = ["manage.py", *sys.argv[1:]]
runpy.run_path("manage.py", run_name="__main__")' "$@"
}
echo "== the database as commit $before leaves it"
(cd "$work/old" && old_manage migrate --noinput -v0 && old_manage seed_demo --customers 120 --seed 7 -v0 >/dev/null \
    && old_manage shell -c "$count_rows" 2>/dev/null | tail -1 > "$work/before.json")
echo "== migrated with this tree"
"$py" manage.py migrate --noinput -v0
"$py" manage.py shell -c "$count_rows" 2>/dev/null | tail -1 > "$work/after.json"
"$py" - "$work/before.json" "$work/after.json" <<'PY'
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
# Bookkeeping tables grow with new models, jobs and roles (their content types, permissions,
# schedules, role groups); they may gain rows, never lose them. Every other table keeps exactly its rows.
growing = {"django_migrations", "django_content_type", "auth_permission", "auth_group", "auth_group_permissions"}
# SQLite's planner statistics (sqlite_stat1, written by ANALYZE) are the database's, not data.
lost = {t: (n, after.get(t)) for t, n in before.items() if not t.startswith("sqlite_stat")
        and (after.get(t, -1) < n if t in growing or t.startswith("django_celery_beat") else after.get(t) != n)}
rows = sum(before.values())
if lost:
    sys.exit(f"row counts changed: {lost}")
print(f"{len(before)} tables, {rows:,} rows: the same after migrating")
PY
"$py" - <<'PY'
import os, sys
sys.path.insert(0, ".")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "collections_app.settings")
import django
django.setup()
from django.contrib.contenttypes.models import ContentType
stale = list(ContentType.objects.filter(app_label="collections_app").values_list("model", flat=True))
if stale:
    sys.exit(f"content types left behind in collections_app: {stale}")
print("content types and permissions follow the moved models")
PY
"$py" manage.py check_ledger
