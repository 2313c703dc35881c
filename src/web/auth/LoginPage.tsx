/**
 * Signing in: email and password, then the second factor (a TOTP code or a recovery code), or,
 * for provider staff without MFA yet, enrolment (QR code, secret, first code, recovery codes).
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { api, setCsrfToken } from '../api.ts';
import { currentLang, setLang } from '../i18n/index.ts';
import { CopyButton, ErrorNote, useAction } from '../shared/ui.tsx';

export type LoginStage = 'password' | 'mfa' | 'mfa_enrol';

interface Enrolment {
  secret: string;
  otpauth_uri: string;
  qr_data_url: string;
}

export function LoginPage({ initialStage, onSignedIn }: { initialStage: LoginStage; onSignedIn: () => Promise<void> }) {
  const { t } = useTranslation();
  const [stage, setStage] = useState<LoginStage | 'recovery'>(initialStage);
  const [recoveryCodes, setRecoveryCodes] = useState<string[]>([]);
  const lang = currentLang();

  return (
    <div className="center-page login-page">
      <div className="card login-card">
        <div className="login-top">
          <div className="brand brand-login">
            <span className="brand-mark" aria-hidden="true">
              V
            </span>
            Vigie
          </div>
          <button type="button" className="small ghost" data-testid="lang-switch" onClick={() => void setLang(lang === 'fr' ? 'en' : 'fr')} lang={lang === 'fr' ? 'en' : 'fr'}>
            {lang === 'fr' ? 'English' : 'Français'}
          </button>
        </div>
        {stage === 'password' && <PasswordStep onStage={(s) => (s === 'full' ? void onSignedIn() : setStage(s))} />}
        {stage === 'mfa' && <MfaStep onDone={() => void onSignedIn()} onBack={() => setStage('password')} />}
        {stage === 'mfa_enrol' && (
          <EnrolStep
            onConfirmed={(codes) => {
              setRecoveryCodes(codes);
              setStage('recovery');
            }}
          />
        )}
        {stage === 'recovery' && <RecoveryCodes codes={recoveryCodes} onAck={() => void onSignedIn()} />}
      </div>
      <p className="login-foot muted">{t('login.tagline')}</p>
    </div>
  );
}

function PasswordStep({ onStage }: { onStage: (s: 'full' | 'mfa' | 'mfa_enrol') => void }) {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await run(() => api.post<{ stage: 'full' | 'mfa' | 'mfa_enrol'; csrf_token: string }>('/auth/login', { email, password }));
    if (r) {
      setCsrfToken(r.csrf_token);
      onStage(r.stage);
    }
  }

  return (
    <form onSubmit={submit} className="stack">
      <h1>{t('login.title')}</h1>
      <label className="field">
        <span>{t('login.email')}</span>
        <input type="email" autoComplete="username" required autoFocus value={email} onChange={(e) => setEmail(e.target.value)} data-testid="login-email" />
      </label>
      <label className="field">
        <span>{t('login.password')}</span>
        <input type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} data-testid="login-password" />
      </label>
      <ErrorNote error={error} testId="login-error" />
      <button type="submit" className="primary" disabled={busy} data-testid="login-submit">
        {busy ? t('login.signingIn') : t('login.submit')}
      </button>
    </form>
  );
}

function MfaStep({ onDone, onBack }: { onDone: () => void; onBack: () => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState('');
  const { busy, error, run } = useAction();

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await run(() => api.post<{ stage: string }>('/auth/mfa/verify', { code: code.replace(/\s+/g, '') }));
    if (r) onDone();
  }

  return (
    <form onSubmit={submit} className="stack">
      <h1>{t('login.mfaTitle')}</h1>
      <p className="muted">{t('login.mfaHint')}</p>
      <label className="field">
        <span>{t('login.code')}</span>
        <input
          inputMode="text"
          autoComplete="one-time-code"
          required
          autoFocus
          minLength={6}
          maxLength={20}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          className="code-input"
          data-testid="mfa-code"
        />
      </label>
      <ErrorNote error={error} testId="mfa-error" />
      <button type="submit" className="primary" disabled={busy} data-testid="mfa-submit">
        {t('login.verify')}
      </button>
      <button type="button" className="link" onClick={onBack}>
        {t('login.back')}
      </button>
    </form>
  );
}

function EnrolStep({ onConfirmed }: { onConfirmed: (codes: string[]) => void }) {
  const { t } = useTranslation();
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [code, setCode] = useState('');
  const start = useAction();
  const confirm = useAction();
  const started = useRef(false);
  const startRun = start.run;

  useEffect(() => {
    // Once only: each call makes a new secret, and StrictMode runs effects twice in development.
    if (started.current) return;
    started.current = true;
    void startRun(() => api.post<Enrolment>('/auth/mfa/enrol')).then((r) => r && setEnrolment(r));
  }, [startRun]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await confirm.run(() => api.post<{ recovery_codes: string[] }>('/auth/mfa/confirm', { code: code.replace(/\s+/g, '') }));
    if (r) onConfirmed(r.recovery_codes);
  }

  return (
    <form onSubmit={submit} className="stack">
      <h1>{t('login.enrolTitle')}</h1>
      <p className="muted">{t('login.enrolHint')}</p>
      <ErrorNote error={start.error} />
      {enrolment && (
        <div className="enrol">
          <img src={enrolment.qr_data_url} alt={t('login.qrAlt')} width={180} height={180} data-testid="mfa-qr" />
          <div className="enrol-secret">
            <span className="muted">{t('login.secretManual')}</span>
            <code className="secret" data-testid="mfa-secret">
              {enrolment.secret.replace(/(.{4})(?=.)/g, '$1 ')}
            </code>
            <CopyButton text={enrolment.secret} />
          </div>
        </div>
      )}
      <label className="field">
        <span>{t('login.enrolCode')}</span>
        <input
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          pattern="\s*\d{3}\s*\d{3}\s*"
          maxLength={8}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          className="code-input"
          data-testid="mfa-code"
        />
      </label>
      <ErrorNote error={confirm.error} testId="mfa-error" />
      <button type="submit" className="primary" disabled={confirm.busy || !enrolment} data-testid="mfa-submit">
        {t('login.enrolConfirm')}
      </button>
    </form>
  );
}

function RecoveryCodes({ codes, onAck }: { codes: string[]; onAck: () => void }) {
  const { t } = useTranslation();
  return (
    <div className="stack">
      <h1>{t('login.recoveryTitle')}</h1>
      <p>{t('login.recoveryHint')}</p>
      <ul className="recovery-codes" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <div className="row">
        <CopyButton text={codes.join('\n')} />
      </div>
      <button type="button" className="primary" onClick={onAck} data-testid="recovery-ack">
        {t('login.recoveryAck')}
      </button>
    </div>
  );
}
