# Communicator: one image for every role (api, gateway, smtp, migrations); compose.yaml picks the command.
# Stage 1 builds the SPA; stage 2 installs the Python package with the locked dependencies.
FROM node:22-bookworm-slim AS frontend
WORKDIR /app/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY frontend/ ./
COPY shared-schemas/ /app/shared-schemas/
RUN npm run build --silent

FROM python:3.11-slim-bookworm
ENV PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_COMPILE_BYTECODE=1 \
    PATH=/app/.venv/bin:$PATH \
    COMMUNICATOR_HOST=0.0.0.0 \
    COMMUNICATOR_LOG_FORMAT=json
RUN pip install --no-cache-dir uv && useradd --system --home /app --uid 10001 communicator
WORKDIR /app
# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY backend/ ./backend/
RUN uv sync --frozen --no-dev
COPY --from=frontend /app/frontend/dist ./frontend/dist
USER communicator
EXPOSE 8000 8080 2525
# compose.yaml sets the command; alone, the image runs one api process.
CMD ["communicator", "api", "--host", "0.0.0.0", "--port", "8000"]
