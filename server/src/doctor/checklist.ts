// The items of the institutions' security guide (seeds/security-guide-for-institutions.txt), as
// doctor names them. Several checks may report against one item.
export const CHECKLIST = {
  adminPassword: '1. Change the default admin password',
  https: '2. Verify that the environment uses HTTPS',
  ports: '3. Do not leave any ports open other than 443',
  recaptcha: '4. Configure reCAPTCHA',
  twoFactor: '5. Configure two-factor authentication',
  tokenSecret: '6. Change the token.secret property',
  databaseRoles: '7. Use different database users and manage their roles',
} as const;
