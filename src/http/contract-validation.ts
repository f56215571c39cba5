import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { OpenApiValidatorOpts } from 'express-openapi-validator/dist/framework/types';
import { OpenApiContext } from 'express-openapi-validator/dist/framework/openapi.context';
import { OpenApiSpecLoader } from 'express-openapi-validator/dist/framework/openapi.spec.loader';
import { SchemaPreprocessor } from 'express-openapi-validator/dist/middlewares/parsers/schema.preprocessor';
import { OpenApiValidator } from 'express-openapi-validator/dist/openapi.validator';
import { validationProblem } from './problems';
import { inSeries } from './series';

type Step = (req: Request, res: Response, next: NextFunction) => void;

/** What the validator's metadata step would find for an operation, looked up once at start. */
interface OperationEntry {
  expressRoute: string;
  openApiRoute: string;
  schema: unknown;
  responseSchema: unknown;
}

/**
 * The validator's first step finds the request's operation by trying every path of the contract
 * in turn. The contract router has already found it (and matched the path parameters), so the
 * same result is set from a table built at start; a request the router did not resolve (none in
 * practice) still goes through the validator's own lookup.
 */
function knownOperation(operations: ReadonlyMap<string, OperationEntry>, lookup: Step, serial: number): Step {
  return (req, res, next) => {
    const entry = req.operation && operations.get(`${req.method} ${req.operation.template}`);
    if (!entry || !req.rawPathParams) return lookup(req, res, next);
    const pathParams: Record<string, string> = {};
    for (const [name, raw] of Object.entries(req.rawPathParams)) {
      try {
        pathParams[name] = decodeURIComponent(raw);
      } catch {
        throw validationProblem(`/path/${name}`, 'is not a valid percent-encoded value');
      }
    }
    const openapi = { expressRoute: entry.expressRoute, openApiRoute: entry.openApiRoute, pathParams, schema: entry.schema, serial, _responseSchema: entry.responseSchema };
    (req as unknown as { openapi: typeof openapi }).openapi = openapi;
    req.params = pathParams;
    next();
  };
}

/** The validator's step builders, private in its types but what its own installer calls. */
interface ValidatorInternals {
  options: { validateApiSpec: boolean; $refParser: unknown; validateResponses: unknown; ignorePaths: never; ignoreUndocumented: boolean; useRequestUrl: boolean };
  ajvOpts: { preprocessor: never };
  metadataMiddleware(context: OpenApiContext, responseApiDoc: unknown): Step;
  requestValidationMiddleware(apiDoc: unknown): Step;
  responseValidationMiddleware(apiDoc: unknown, serial: number): Step;
}

interface FrameworkInternals {
  initialize(visitor: { visitApi?(context: { basePaths: string[]; getApiDoc(): unknown }): void }): Promise<{ apiDoc: unknown; basePaths: string[] }>;
  getBasePathsFromServers(servers: unknown): { all(): string[] }[];
}

/**
 * The validator's framework compiles the whole OpenAPI meta-schema with ajv (a third of a second
 * of every start) even when told not to check the contract against it. When it is not asked to,
 * its start is done here without that step: the base paths from `servers`, then the route visit,
 * on the already bundled document (its references are all local, which ajv resolves itself).
 */
function skipMetaSchema(loader: OpenApiSpecLoader, apiDoc: object): void {
  const framework = (loader as unknown as { framework: FrameworkInternals }).framework;
  framework.initialize = async (visitor) => {
    const basePaths = [...new Set(framework.getBasePathsFromServers((apiDoc as { servers?: unknown }).servers).flatMap((bp) => bp.all()))];
    visitor.visitApi?.({ basePaths, getApiDoc: () => apiDoc });
    return { apiDoc, basePaths };
  };
}

/** The object a local reference (`#/components/schemas/Part`) points to, by JSON Pointer (RFC 6901). */
function pointee(document: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node = document;
  for (const token of ref.slice(2).split('/')) {
    const key = decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~');
    node = typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined;
  }
  return node;
}

/**
 * The validator's preprocessor resolves each `$ref` by asking ajv for a compiled validator of its
 * target and keeping only the schema: it compiled most of the contract a second time at every
 * start (a third of a second, three times that with two workers starting together). Every
 * reference of the bundled contract is local, so its target is found by pointer and handed to the
 * preprocessor's own cache, which it consults first.
 */
function resolveLocalReferences(preprocessor: SchemaPreprocessor, document: unknown): void {
  const cache = (preprocessor as unknown as { resolvedSchemaCache: Map<string, unknown> }).resolvedSchemaCache;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const ref = (node as { $ref?: unknown }).$ref;
    if (typeof ref === 'string' && !cache.has(ref)) {
      const target = pointee(document, ref);
      if (target !== undefined) cache.set(ref, target);
    }
    for (const value of Object.values(node)) visit(value);
  };
  visit(document);
}

/**
 * express-openapi-validator, as one middleware that runs its own steps (find the operation,
 * validate the request, hook the response validation) synchronously, the operation found by the
 * contract router.
 *
 * Its `middleware()` returns each step wrapped in a promise of the loaded spec, so every request
 * paid three promise chains and three Express layers before any validation. The steps themselves
 * are built here once, with the validator's own classes and in the order its installer uses, after
 * the spec is loaded (the first request waits for that, once). Security stays with the contract
 * router, as before; multipart and operation handlers are not used. The validator is pinned
 * ("5.6" in package.json) because this reaches into its build.
 */
export function contractValidation(options: OpenApiValidatorOpts & { apiSpec: object }): RequestHandler {
  const validator = new OpenApiValidator({ ...options, validateSecurity: false }) as unknown as ValidatorInternals;
  const { options: normalized } = validator;
  let validate: RequestHandler | undefined;
  const loader = new OpenApiSpecLoader({ apiDoc: options.apiSpec as never, validateApiSpec: normalized.validateApiSpec, $refParser: normalized.$refParser as never });
  if (!normalized.validateApiSpec) skipMetaSchema(loader, options.apiSpec);
  const ready = loader
    .load()
    .then((spec) => {
      const preprocessor = new SchemaPreprocessor(spec.apiDoc, validator.ajvOpts.preprocessor, normalized.validateResponses as never);
      resolveLocalReferences(preprocessor, spec.apiDoc);
      const { apiDocRes } = preprocessor.preProcess();
      const context = new OpenApiContext(spec, normalized.ignorePaths, normalized.ignoreUndocumented, normalized.useRequestUrl);
      const operations = new Map<string, OperationEntry>();
      const paths = (doc: unknown) => (doc as { paths: Record<string, Record<string, unknown>> }).paths;
      for (const route of spec.routes) {
        const method = route.method.toLowerCase();
        operations.set(`${route.method.toUpperCase()} ${route.openApiRoute}`, {
          expressRoute: route.expressRoute,
          openApiRoute: route.openApiRoute,
          schema: paths(context.apiDoc)[route.openApiRoute]?.[method],
          responseSchema: apiDocRes ? paths(apiDocRes)[route.openApiRoute]?.[method] : undefined,
        });
      }
      const steps = [knownOperation(operations, validator.metadataMiddleware(context, apiDocRes), context.serial), validator.requestValidationMiddleware(context.apiDoc)];
      if (normalized.validateResponses) steps.push(validator.responseValidationMiddleware(apiDocRes, context.serial));
      validate = inSeries(...steps);
    });

  return (req, res, next) => {
    if (validate) return validate(req, res, next);
    ready.then(() => (validate as RequestHandler)(req, res, next), next);
  };
}
