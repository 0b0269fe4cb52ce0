"""Test harness: loads an Airflow DAG file with stand-ins for the airflow modules (Airflow itself
cannot be installed here), renders the templated fields of its SparkSubmitOperator as Airflow would
for one logical date, and prints them as JSON for the Java test to feed to the job's --dry-run.

    python3 render_dag.py DAG_FILE LOGICAL_DATE(YYYY-MM-DD) VARIABLES_JSON

Templates are rendered with jinja2 when it is installed, else with a small renderer that knows the
forms the DAG uses ({{ ds_nodash }}, {{ params.x }}, {{ params.x * params.y }},
{{ var.value.get('k', 'default') }}) and fails on anything else.
"""
import datetime
import json
import re
import runpy
import sys
import types

dag_file, logical_date, variables_json = sys.argv[1:4]
VARIABLES = json.loads(variables_json)
TASKS = {}
DAGS = []


class Variable:
    @staticmethod
    def get(key, default_var=None, deserialize_json=False):
        value = VARIABLES.get(key, default_var)
        return json.loads(value) if deserialize_json else value


class DAG:
    def __init__(self, dag_id, **kwargs):
        self.dag_id = dag_id
        self.kwargs = kwargs
        DAGS.append(self)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class BaseOperator:
    def __init__(self, task_id, **kwargs):
        self.task_id = task_id
        self.kwargs = kwargs
        self.downstream = []
        TASKS[task_id] = self

    def __rshift__(self, other):
        self.downstream.append(other.task_id)
        return other


class SparkSubmitOperator(BaseOperator):
    pass


def module(name, **attrs):
    m = types.ModuleType(name)
    m.__dict__.update(attrs)
    sys.modules[name] = m
    return m


module("airflow", DAG=DAG)
module("airflow.models", Variable=Variable)
module("airflow.providers")
module("airflow.providers.apache")
module("airflow.providers.apache.spark")
module("airflow.providers.apache.spark.operators")
module("airflow.providers.apache.spark.operators.spark_submit", SparkSubmitOperator=SparkSubmitOperator)

namespace = runpy.run_path(dag_file)
if len(DAGS) != 1:
    sys.exit(f"{dag_file}: expected one DAG, found {len(DAGS)}")
dag = DAGS[0]
day = datetime.date.fromisoformat(logical_date)
params = dict(dag.kwargs.get("params", {}))


class Params(dict):
    __getattr__ = dict.__getitem__


class VarValue:
    def get(self, key, default=None):
        return VARIABLES.get(key, default)


context = {"ds": day.isoformat(), "ds_nodash": day.strftime("%Y%m%d"), "params": Params(params),
           "var": types.SimpleNamespace(value=VarValue())}

try:
    import jinja2

    env = jinja2.Environment(undefined=jinja2.StrictUndefined)

    def render(text):
        return env.from_string(text).render(**context) if isinstance(text, str) else text
except ImportError:
    FORMS = [
        (re.compile(r"^ds_nodash$"), lambda m: context["ds_nodash"]),
        (re.compile(r"^params\.(\w+)$"), lambda m: str(params[m.group(1)])),
        (re.compile(r"^params\.(\w+) \* params\.(\w+)$"), lambda m: str(params[m.group(1)] * params[m.group(2)])),
        (re.compile(r"^var\.value\.get\('([^']*)', '([^']*)'\)$"), lambda m: VARIABLES.get(m.group(1), m.group(2))),
    ]

    def expression(match):
        expr = match.group(1).strip()
        for pattern, value in FORMS:
            m = pattern.match(expr)
            if m:
                return value(m)
        sys.exit(f"template expression not understood without jinja2: {expr!r}")

    def render(text):
        return re.sub(r"\{\{(.*?)\}\}", expression, text) if isinstance(text, str) else text

submits = [t for t in TASKS.values() if isinstance(t, SparkSubmitOperator)]
if not submits:
    sys.exit(f"{dag_file}: no SparkSubmitOperator")
default_args = dag.kwargs.get("default_args", {})


def task(t):
    kw = t.kwargs
    timeout = kw.get("execution_timeout") or default_args.get("execution_timeout")
    return {
        "downstream": t.downstream,
        "java_class": kw.get("java_class"),
        "application": render(kw.get("application")),
        "name": render(kw.get("name")),
        "application_args": [render(a) for a in kw.get("application_args", [])],
        "conf": {k: render(v) for k, v in kw.get("conf", {}).items()},
        "retries": kw.get("retries", default_args.get("retries")),
        "execution_timeout_s": timeout.total_seconds() if timeout else None,
    }


print(json.dumps({"dag_id": dag.dag_id, "schedule": dag.kwargs.get("schedule"),
                  "tasks": {t.task_id: task(t) for t in submits}}, indent=1))
