/// Key pairs made with `wg genkey | tee /dev/stderr | wg pubkey` for these tests only.
enum WireGuardSamples {
    static let privateA = "6Lzcbyns/DRX1GDFow08n2/rQqDz7138uIyinTaWeWM="
    static let publicA = "AWWFK5nCPAVvsdr2M1xoPFeDqUpFrI59AjM/A1iX30A="
    static let privateB = "IMCkfDEfzAT89Tg19k3Wxha/tNwr1cfNUaKXz57GOUc="
    static let publicB = "jsPrb3OSWC1veDWeTFJnYBZm1fMg9SfKUwGm55PMJQA="
    static let preshared = "WRb9Xf+voAeVf3kJLeuTlZRTmUgRKNdidLIWte/54mQ="

    /// A file shaped like the ones VPN providers hand out, with the extras some of them add.
    static let providerFile = """
        [Interface]
        # Device: Quiet Otter
        PrivateKey = \(privateA)
        Address = 10.64.12.34/32,fc00:bbbb:bbbb:bb01::1:c21/128
        DNS = 10.64.0.1, vpn.example
        MTU = 1380
        PostUp = iptables -I OUTPUT ! -o %i -m mark ! --mark $(wg show %i fwmark) -j REJECT
        PreDown = iptables -D OUTPUT ! -o %i -m mark ! --mark $(wg show %i fwmark) -j REJECT

        [Peer]
        PublicKey = \(publicB)
        PresharedKey = \(preshared)
        AllowedIPs = 0.0.0.0/0,::0/0
        Endpoint = 185.65.134.82:51820
        PersistentKeepalive = 25
        """
}
