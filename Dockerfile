# Multi-stage build: dependencies are installed from the lockfile in a build stage, and the
# runtime image carries only production dependencies and the sources (run with tsx, no build step).
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY db ./db
COPY emails ./emails
USER node
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --retries=5 CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# tsx's CommonJS hook, not its CLI: the CLI adds an ESM loader thread (~20 MB per process).
CMD ["node", "--require", "tsx/cjs", "src/main.ts"]
