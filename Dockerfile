# Hub image (the edge runs on gateways from the same package: `pip install smartcommunity[edge]`).
FROM python:3.11-slim
WORKDIR /opt/smartcommunity
COPY pyproject.toml README.md ./
COPY protocol protocol
COPY edge edge
COPY hub hub
COPY simulators simulators
COPY smartcommunity smartcommunity
COPY deploy/mosquitto/acl deploy/mosquitto/acl
RUN pip install --no-cache-dir ".[hub]" && useradd --system smartcommunity
USER smartcommunity
EXPOSE 8080
CMD ["smartcommunity", "hub", "--host", "0.0.0.0"]
