# PKI and kubeconfigs for one test-environment run (sourced by `up`).
# Everything is made fresh under $RUN_DIR/pki by make_pki: a CA, the apiserver's serving
# certificate, one client certificate per component and the service-account key pair.
# ECDSA P-256 throughout: RSA key generation alone took 3 s of a 20 s start.
EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1)

# client_cert <name> <CN> [O]: a client certificate signed by the run's CA.
client_cert() {
  local name=$1 cn=$2 org=${3:-} subj
  subj="/CN=$cn"; [ -z "$org" ] || subj="/O=$org$subj"
  openssl req -new "${EC[@]}" -nodes -keyout "$PKI/$name.key" -subj "$subj" \
    -out "$PKI/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -sha256 -out "$PKI/$name.crt" \
    -extfile <(printf 'keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n') 2>/dev/null
}

make_pki() {
  PKI=$RUN_DIR/pki
  mkdir -p "$PKI"; chmod 700 "$PKI"
  openssl req -x509 -new "${EC[@]}" -nodes -keyout "$PKI/ca.key" -out "$PKI/ca.crt" \
    -days 30 -sha256 -subj "/CN=gantry-testenv-ca" 2>/dev/null
  openssl req -new "${EC[@]}" -nodes -keyout "$PKI/apiserver.key" -subj "/CN=kube-apiserver" \
    -out "$PKI/apiserver.csr" 2>/dev/null
  openssl x509 -req -in "$PKI/apiserver.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
    -days 30 -sha256 -out "$PKI/apiserver.crt" -extfile <(printf '%s\n' \
      'keyUsage=critical,digitalSignature,keyEncipherment' 'extendedKeyUsage=serverAuth' \
      'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local') 2>/dev/null
  client_cert admin gantry-admin system:masters
  client_cert controller-manager system:kube-controller-manager
  client_cert scheduler system:kube-scheduler
  openssl ecparam -name prime256v1 -genkey -noout -out "$PKI/sa.key" 2>/dev/null
  openssl ec -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
  rm -f "$PKI"/*.csr
  [ -s "$PKI/sa.pub" ] && [ -s "$PKI/admin.crt" ] || die "openssl could not make the certificates"
}

# kubeconfig <name>: $RUN_DIR/<name>.kubeconfig for the client certificate <name>, with the
# CA and the key embedded so the file stands alone (the form most clients read).
kubeconfig() {
  local name=$1 b64='base64 -w0'
  cat >"$RUN_DIR/$name.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: gantry-test
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $($b64 <"$PKI/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $($b64 <"$PKI/$name.crt")
    client-key-data: $($b64 <"$PKI/$name.key")
contexts:
- name: $name@gantry-test
  context:
    cluster: gantry-test
    user: $name
current-context: $name@gantry-test
EOF
  chmod 600 "$RUN_DIR/$name.kubeconfig"
}
