// A server component: it reads who is signed in and hands the id to the client boundary.
import 'presence-kit/styles.css';
import type { ReactNode } from 'react';
import { signedInUserId } from './auth';
import { Providers } from './providers';

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Providers userId={signedInUserId()}>{children}</Providers>
      </body>
    </html>
  );
}
