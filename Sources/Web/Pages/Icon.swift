/// `/assets/icon.svg`: the tab icon (a drop on a stream), no external file.
enum Icon {
    static let svg = """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#0b57d0"/>\
        <path d="M16 5c4 6 7 9.5 7 13.5A7 7 0 0 1 9 18.5C9 14.5 12 11 16 5z" fill="#fff"/></svg>
        """
}
