/**
 * Runs inside the program bundle (see run-app.ts): Pulumi's unit-test mocks, so SST's real components make
 * their resources with no AWS account, plus a stand-in for the three calls the components make to the sst
 * CLI (`SST_SERVER`): the AWS bootstrap lookup, `Runtime.Build` (like the CLI's Node runtime: the handler
 * file must exist; the link data is written encrypted into the bundle folder as `resource.enc`, as the CLI
 * does) and `Runtime.AddTarget` (`sst dev`). Every resource and call is recorded for the checks.
 */
import * as pulumi from '@pulumi/pulumi';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

export const resources: { type: string; name: string; inputs: any; parent?: string }[] = [];
export const rpcCalls: { method: string; params: any }[] = [];

const root = process.env.CHECK_ROOT!;
const work = process.env.CHECK_WORK!;
const EXTENSIONS = ['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs'];

function build(input: any): { handler: string; out: string; errors: string[]; sourcemaps: string[] } {
  const handler: string = input.handler;
  const file = handler.slice(0, -path.extname(handler).length);
  const found = EXTENSIONS.map((ext) => file + ext).find((candidate) => fs.existsSync(path.join(root, candidate)));
  const out = path.join(work, 'artifacts', `${input.functionID}-src`);
  fs.mkdirSync(path.join(out, path.dirname(file)), { recursive: true });
  fs.writeFileSync(path.join(out, `${file}.mjs`), 'export const handler = async () => {};\n');
  // The CLI writes the function's links as JSON, AES-256-GCM with the app's key and a zero nonce, tag last.
  const key = Buffer.from(input.encryptionKey, 'base64');
  const cipher = crypto.createCipheriv('aes-256-gcm', key, Buffer.alloc(12, 0));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(input.links ?? {})), cipher.final(), cipher.getAuthTag()]);
  fs.writeFileSync(path.join(out, 'resource.enc'), sealed);
  return { handler, out, errors: found ? [] : [`Could not find file for handler "${handler}"`], sourcemaps: [] };
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (chunk) => (body += chunk));
  req.on('end', () => {
    const { method, params } = JSON.parse(body);
    const input = params[0];
    rpcCalls.push({ method, params: input });
    let result: unknown;
    let error: string | undefined;
    if (method === 'Provider.Aws.Bootstrap') {
      result = { asset: 'sst-asset-bucket', assetEcrRegistryId: '123456789012', assetEcrUrl: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sst-asset', state: 'sst-state-bucket', appsyncHttp: '', appsyncRealtime: '' };
    } else if (method === 'Runtime.Build') {
      result = build(input);
    } else if (method === 'Provider.Aws.Appsync') {
      result = { http: 'mock.appsync-api.us-east-1.amazonaws.com', realtime: 'mock.appsync-realtime-api.us-east-1.amazonaws.com' };
    } else if (method === 'Runtime.AddTarget') {
      result = {};
    } else {
      error = `rpc: can't find method ${method}`;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ result, error }));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
process.env.SST_SERVER = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
process.env.SST_AWS_REGION = 'us-east-1';
server.unref();

const ACCOUNT = '123456789012';
const arnOf = (type: string, physical: string) => {
  const service = type.split(':')[1].split('/')[0];
  switch (service) {
    case 'lambda':
      return `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${physical}`;
    case 'sqs':
      return `arn:aws:sqs:us-east-1:${ACCOUNT}:${physical}`;
    case 'dynamodb':
      return `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/${physical}`;
    case 'iam':
      return `arn:aws:iam::${ACCOUNT}:role/${physical}`;
    case 'sns':
      return `arn:aws:sns:us-east-1:${ACCOUNT}:${physical}`;
    default:
      return `arn:aws:${service}:us-east-1:${ACCOUNT}:${physical}`;
  }
};

await pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs) {
      resources.push({ type: args.type, name: args.name, inputs: args.inputs });
      const physical = String(args.inputs.name ?? `${args.name}-physical`);
      const arn = arnOf(args.type, physical);
      return {
        id: `${args.name}-id`,
        state: {
          ...args.inputs,
          arn,
          name: physical,
          url: `https://sqs.us-east-1.amazonaws.com/${ACCOUNT}/${physical}`,
          functionUrl: `https://${args.name}.lambda-url.us-east-1.on.aws/`,
          apiEndpoint: `https://${args.name}.execute-api.us-east-1.amazonaws.com`,
          executionArn: `arn:aws:execute-api:us-east-1:${ACCOUNT}:${args.name}`,
          invokeArn: `arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/${arn}/invocations`,
          qualifiedArn: arn,
          domainName: `${args.name}.cloudfront.net`,
          // RandomBytes (the app's encryption key): 32 fixed bytes.
          hex: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
          base64: Buffer.from('00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff', 'hex').toString('base64'),
        },
      };
    },
    call(args: pulumi.runtime.MockCallArgs) {
      switch (args.token) {
        case 'aws:index/getRegion:getRegion':
          return { name: 'us-east-1', region: 'us-east-1', id: 'us-east-1' };
        case 'aws:index/getPartition:getPartition':
          return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' };
        case 'aws:index/getCallerIdentity:getCallerIdentity':
          return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/mock`, userId: 'mock', id: ACCOUNT };
        case 'aws:iam/getPolicyDocument:getPolicyDocument':
          return { json: JSON.stringify(args.inputs), statements: args.inputs.statements, id: 'policy' };
        // sst.aws.Vpc (the runners' stack) spreads its subnets over the region's zones.
        case 'aws:index/getAvailabilityZones:getAvailabilityZones':
          return { names: ['us-east-1a', 'us-east-1b', 'us-east-1c'], zoneIds: ['use1-az1', 'use1-az2', 'use1-az3'], id: 'us-east-1' };
        default:
          return args.inputs;
      }
    },
  },
  'aiworker',
  process.env.CHECK_STAGE ?? 'dev',
  false,
);
