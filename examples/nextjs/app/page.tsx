// A server component can render the kit's components: they are client components ("use client" is on the
// package's React entries) and take plain props.
import { OnlineList } from 'presence-kit/components';
import { Me } from './me';

export default function Page() {
  return (
    <main>
      <Me />
      <OnlineList style={{ height: 480 }} hideCurrentUser />
    </main>
  );
}
