import { createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { TopiaryError } from '../../shared/ipc/errors';
import { describeCertificate } from '../core/certificates/certificate-details';
import { generateCertificateAuthority, issueCertificate, type GeneratedIdentity, type GeneratedKeyAlgorithm } from '../core/certificates/certificate-generator';
import { parseInput } from '../core/certificates/certificate-import';
import { intFlag, parseFlags, UsageError, type CliIo, type Command } from './cli-io';

const FLAGS = {
  cn: { type: 'string' },
  org: { type: 'string' },
  days: { type: 'string' },
  key: { type: 'string' },
  'ca-cert': { type: 'string' },
  'ca-key': { type: 'string' },
  san: { type: 'string', multiple: true },
  out: { type: 'string' },
  force: { type: 'boolean' },
  password: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const HELP = `Usage: topiary cert ca|server|client|inspect [options]

Makes a local CA and certificates signed by it, or prints a certificate's (or PKCS#12's) details,
with the app's certificate code. Keys are EC P-256 unless --key rsa-2048 or rsa-4096.

  topiary cert ca --cn NAME [--org O] [--days N] [--out PREFIX]        writes PREFIX.crt and PREFIX.key (default "ca")
  topiary cert server --ca-cert ca.crt --ca-key ca.key --cn NAME [--san DNS-or-IP]... [--out PREFIX]
  topiary cert client --ca-cert ca.crt --ca-key ca.key --cn NAME [--out PREFIX]
  topiary cert inspect FILE [--password P] [--json]                  PEM, DER or PKCS#12; every certificate in it

      --key ALG     ec-p256 (default), rsa-2048 or rsa-4096
      --force       overwrite existing files (otherwise they are left alone and the command fails)

Examples:
  topiary cert ca --cn "Lab CA" --out lab-ca
  topiary cert server --ca-cert lab-ca.crt --ca-key lab-ca.key --cn broker.lan --san broker.lan --san 192.168.1.20
  topiary cert inspect client.p12 --password secret
`;

function read(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch {
    throw new TopiaryError('CERTIFICATE_ERROR', `The ${what} ${file} cannot be read; check the path.`);
  }
}

function write(io: CliIo, prefix: string, identity: GeneratedIdentity, force: boolean): void {
  const crt = `${prefix}.crt`;
  const key = `${prefix}.key`;
  for (const f of [crt, key]) if (!force && existsSync(f)) throw new TopiaryError('VALIDATION_ERROR', `${f} already exists; choose another --out or add --force.`);
  writeFileSync(crt, identity.certificatePem);
  // The key is readable by its owner only.
  writeFileSync(key, identity.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), { mode: 0o600 });
  io.stdout.write(`wrote ${crt} and ${key}\n`);
}

export const certCommand: Command = {
  help: HELP,
  async run(argv, io) {
    const { values, positionals } = parseFlags(argv, FLAGS, true);
    const [action, ...rest] = positionals;
    if (action === undefined) {
      io.stdout.write(HELP);
      return 2;
    }
    const keyAlgorithm = (values.key ?? 'ec-p256') as GeneratedKeyAlgorithm;
    if (!['ec-p256', 'rsa-2048', 'rsa-4096'].includes(keyAlgorithm)) throw new UsageError(`--key must be ec-p256, rsa-2048 or rsa-4096, not "${values.key}".`);
    const validityDays = intFlag(values.days, '--days', 1, 36_500);
    const common = { ...(values.org ? { organization: values.org } : {}), ...(validityDays ? { validityDays } : {}), keyAlgorithm };
    switch (action) {
      case 'ca': {
        if (!values.cn) throw new UsageError('Name the CA with --cn NAME.');
        write(io, values.out ?? 'ca', await generateCertificateAuthority({ commonName: values.cn, ...common }), values.force === true);
        return 0;
      }
      case 'server':
      case 'client': {
        if (!values.cn) throw new UsageError(`Name the ${action} certificate with --cn NAME.`);
        if (!values['ca-cert'] || !values['ca-key']) throw new UsageError('Give the signing CA with --ca-cert FILE and --ca-key FILE.');
        const issuer: GeneratedIdentity = {
          certificatePem: read(values['ca-cert'], 'CA certificate').toString('utf8'),
          privateKey: createPrivateKey(read(values['ca-key'], 'CA key')),
        };
        const sans = values.san ?? [];
        const identity = await issueCertificate({
          issuer,
          purpose: action,
          commonName: values.cn,
          ...(action === 'server' && sans.length > 0 ? { dnsNames: sans.filter((s) => isIP(s) === 0), ipAddresses: sans.filter((s) => isIP(s) !== 0) } : {}),
          ...common,
        });
        write(io, values.out ?? action, identity, values.force === true);
        return 0;
      }
      case 'inspect': {
        const file = rest[0];
        if (!file) throw new UsageError('Say which file to inspect: topiary cert inspect FILE.');
        const material = parseInput({ data: read(file, 'file'), name: file, ...(values.password !== undefined ? { passphrase: values.password } : {}) });
        const details = material.certificates.map((der) => describeCertificate(der));
        if (values.json) {
          io.stdout.write(`${JSON.stringify({ file, certificates: details.map(({ pem: _pem, ...d }) => d), privateKeys: material.privateKeys.length }, null, 2)}\n`);
          return 0;
        }
        details.forEach((d, i) => {
          const sans = [...d.subjectAltNames.dns.map((n) => `DNS:${n}`), ...d.subjectAltNames.ip.map((n) => `IP:${n}`), ...d.subjectAltNames.email, ...d.subjectAltNames.uri];
          io.stdout.write(
            [
              `certificate ${i + 1} of ${details.length}${i === 0 ? '' : ' (chain)'}`,
              `  subject      ${d.subject.text}`,
              `  issuer       ${d.issuer.text}${d.selfSigned ? ' (self-signed)' : ''}`,
              ...(sans.length > 0 ? [`  names        ${sans.join(', ')}`] : []),
              `  valid        ${d.notBefore} to ${d.notAfter} (${d.daysRemaining < 0 ? `expired ${-d.daysRemaining} days ago` : `${d.daysRemaining} days left`})`,
              `  key          ${d.publicKey.text}, signed with ${d.signatureAlgorithm}`,
              `  usage        ${[...d.keyUsage, ...d.extendedKeyUsage].join(', ') || '(any)'}${d.isCa ? ', CA' : ''}`,
              `  serial       ${d.serialNumber}`,
              `  sha256       ${d.fingerprints.sha256}`,
              '',
            ].join('\n'),
          );
        });
        if (material.privateKeys.length > 0) io.stdout.write(`private key${material.privateKeys.length === 1 ? '' : 's'}: ${material.privateKeys.length}\n`);
        return 0;
      }
      default:
        throw new UsageError(`"${action}" is not a cert action; use ca, server, client or inspect.`);
    }
  },
};
