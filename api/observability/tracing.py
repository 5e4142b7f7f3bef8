"""OpenTelemetry traces: a span per GraphQL operation (schema/operation_spans.py) and, inside
it, a span per database transaction or read (`span`, used by api/database/engine.py).

Optional twice over. The `otel` extra (`pip install stockpool[otel]`) brings the OpenTelemetry
API, SDK and OTLP exporter; without it this module imports nothing that is missing and every
function here is a no-op. With it, tracing starts when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set: `configure()` installs a tracer provider that
exports over OTLP/HTTP in batches, once per process. Tests trace into memory with `use()`.

Off, a database span costs one `None` check. On, a database span is only made inside a span
that is still recording (an operation being served), so background work (the sweeper, the
relay) does not send a trace a second."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from typing import TYPE_CHECKING, Any

try:
    from opentelemetry import trace
except ImportError:  # the otel extra is not installed
    trace = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from opentelemetry.trace import Tracer, TracerProvider

log = logging.getLogger(__name__)

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
SERVICE_NAME = "stockpool"
"""`service.name` unless OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES names it."""

_NO_SPAN: AbstractContextManager[None] = nullcontext()
_provider: TracerProvider | None = None
_tracer: Tracer | None = None


def enabled() -> bool:
    return _tracer is not None


def provider() -> TracerProvider | None:
    """The provider spans go to while tracing is on."""
    return _provider


def use(tracer_provider: TracerProvider | None) -> None:
    """Trace into `tracer_provider` from now on; None stops tracing. Schemas built before a
    change keep what they had (build_schema asks `enabled()`)."""
    global _provider, _tracer
    if tracer_provider is None or trace is None:
        _provider = _tracer = None
        return
    _provider = tracer_provider
    _tracer = trace.get_tracer("stockpool", tracer_provider=tracer_provider)


def configure() -> bool:
    """Starts exporting over OTLP if an endpoint is set in the environment and nothing traces
    yet; whether tracing is on. Called by the app's lifespan before the schema is built."""
    env = os.environ
    if _tracer is not None:
        return True
    if not any(env.get(name) for name in ENDPOINT_VARIABLES):
        return False
    if env.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return False
    try:
        tracer_provider = _otlp_provider()
    except ImportError:
        log.warning(
            "%s is set but OpenTelemetry is not installed (pip install 'stockpool[otel]'): "
            "no traces are exported",
            ENDPOINT_VARIABLES[0],
        )
        return False
    if trace is not None:  # always, once the SDK imported
        trace.set_tracer_provider(tracer_provider)  # for other instrumentations too
    use(tracer_provider)
    log.info("traces exported over OTLP/HTTP")
    return True


def _otlp_provider() -> TracerProvider:
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider as SdkTracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    resource = Resource.create()  # reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
    if str(resource.attributes.get("service.name", "")).startswith("unknown_service"):
        resource = resource.merge(Resource({"service.name": SERVICE_NAME}))
    tracer_provider = SdkTracerProvider(resource=resource)
    # The exporter reads the endpoint, headers, timeout and compression from OTEL_* itself.
    tracer_provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return tracer_provider


def span(name: str, attributes: Mapping[str, str] | None = None) -> AbstractContextManager[Any]:
    """A client span (a database call) as the current span, if tracing is on and a span is
    recording in this context; else nothing."""
    tracer = _tracer
    if tracer is None or trace is None or not trace.get_current_span().is_recording():
        return _NO_SPAN
    return tracer.start_as_current_span(name, kind=trace.SpanKind.CLIENT, attributes=attributes)
