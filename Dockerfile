# The feedin image of the consortium variant (docker-compose.yml): the CLI with its gateway,
# dashboard and simulator, built from this repository exactly as `npm ci && npm run build` does.
FROM node:20-bookworm-slim

WORKDIR /app
# Native add-ons (better-sqlite3, serialport, secp256k1) use prebuilt binaries; the toolchain is
# only a fallback for platforms without one.
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends python3 make g++ ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY . .
RUN npm ci --no-audit --no-fund && npm run build

# State (device keys, readings spool, settlement, deployment) lives in a volume.
ENV FEEDIN_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080 1883
ENTRYPOINT ["node", "/app/cli/dist/main.js"]
CMD ["up"]
